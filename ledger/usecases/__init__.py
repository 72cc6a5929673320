"""The use cases, one module per aggregate: each command's declaration beside what carries it
out. Importing this package registers them all; every command is importable from here."""

from __future__ import annotations

from ledger.usecases.agency import DissolveAgency, MergeAgency, RegisterAgency, RenameAgency
from ledger.usecases.calendar import CorrectCalendarDay
from ledger.usecases.dossier import (
    EraseCitizenData,
    IssueApology,
    ReportLateDossier,
    ReturnDossierResult,
    WithdrawApology,
)
from ledger.usecases.inspection import (
    AddRemediationEvidence,
    CloseFinding,
    ConcludeInspection,
    PlanInspection,
    RecordFinding,
    RecordInspectionConducted,
)
from ledger.usecases.obligation import WaiveObligation
from ledger.usecases.plan import RecordAreaScore, SubmitReport
from ledger.usecases.scoring import RecordCriterionScore
from ledger.usecases.target import CorrectMeasurement, RecordMeasurement, RetractMeasurement
from ledger.usecases.task import (
    AddTaskEvidence,
    CancelTask,
    ChangeTaskDeadline,
    CompleteTask,
    ReassignTask,
    RecordTaskContribution,
    ReopenTask,
    ReportTaskProgress,
)
from ledger.usecases.unit import DissolveUnit, EstablishUnit, MergeUnit, RenameUnit, SplitUnit
from ledger.usecases.user import AddUser, ChangeUserRole, ResetPassword, RevokeUser

__all__ = [
    "AddRemediationEvidence",
    "AddTaskEvidence",
    "AddUser",
    "CancelTask",
    "ChangeTaskDeadline",
    "ChangeUserRole",
    "CloseFinding",
    "CompleteTask",
    "ConcludeInspection",
    "CorrectCalendarDay",
    "CorrectMeasurement",
    "DissolveAgency",
    "DissolveUnit",
    "EraseCitizenData",
    "EstablishUnit",
    "IssueApology",
    "MergeAgency",
    "MergeUnit",
    "PlanInspection",
    "ReassignTask",
    "RecordAreaScore",
    "RecordCriterionScore",
    "RecordFinding",
    "RecordInspectionConducted",
    "RecordMeasurement",
    "RecordTaskContribution",
    "RegisterAgency",
    "RenameAgency",
    "RenameUnit",
    "ReopenTask",
    "ReportLateDossier",
    "ReportTaskProgress",
    "ResetPassword",
    "RetractMeasurement",
    "ReturnDossierResult",
    "RevokeUser",
    "SplitUnit",
    "SubmitReport",
    "WaiveObligation",
    "WithdrawApology",
]
