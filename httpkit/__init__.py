"""httpkit"""
