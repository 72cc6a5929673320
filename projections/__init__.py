"""Read models: pure folds over events, and the code that persists them."""
