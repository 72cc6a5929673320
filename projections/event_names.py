"""Event types as an official reads them in the audit trail and timelines. The stored type
(``ProgressReported``) stays the filter's key and the JSON's value; text and pages say it in
Vietnamese. A type missing here is shown as stored (``tests/unit`` checks none is missing)."""

from __future__ import annotations

EVENT_VN = {
    "Amended": "sửa đổi",
    "ApologyIssued": "gửi phiếu xin lỗi",
    "ApologyWithdrawn": "rút phiếu xin lỗi",
    "AreaReinstated": "khôi phục lĩnh vực",
    "AreaScored": "ghi điểm lĩnh vực",
    "AreaWithdrawn": "rút lĩnh vực",
    "Cancelled": "hủy",
    "CitizenDataErased": "xóa thông tin công dân",
    "Completed": "hoàn thành",
    "Concluded": "kết luận",
    "Conducted": "tiến hành",
    "ContributionRecorded": "ghi phần phối hợp",
    "CriterionScored": "ghi điểm tiêu chí",
    "DayCorrected": "điều chỉnh ngày",
    "DeadlineChanged": "đổi hạn",
    "Dissolved": "giải thể",
    "Established": "thành lập",
    "EvidenceAdded": "bổ sung minh chứng",
    "FindingClosed": "đóng kết luận",
    "FindingRecorded": "ghi kết luận",
    "LockedOut": "tạm khóa",
    "MeasurementCorrected": "sửa số liệu",
    "MeasurementRecorded": "ghi số liệu",
    "MeasurementRetracted": "rút số liệu",
    "Merged": "sáp nhập",
    "MergedInto": "sáp nhập vào",
    "Met": "đã thực hiện",
    "Missed": "bỏ lỡ",
    "Moved": "chuyển",
    "Opened": "mở",
    "PasswordSet": "đặt mật khẩu",
    "ParentRecorded": "ghi đơn vị cấp trên",
    "Planned": "lập kế hoạch",
    "ProgressReported": "báo cáo tiến độ",
    "Raised": "phát sinh",
    "Reassigned": "giao lại",
    "Registered": "ghi nhận",
    "Reinstated": "khôi phục",
    "RemediationEvidenceAdded": "bổ sung minh chứng khắc phục",
    "Renamed": "đổi tên",
    "Reopened": "mở lại",
    "ReportSubmitted": "nộp báo cáo",
    "Reported": "báo cáo",
    "ResultReturned": "trả kết quả",
    "Revoked": "thu hồi",
    "RoleChanged": "đổi vai trò",
    "Split": "chia tách",
    "Waived": "miễn",
    "Withdrawn": "rút khỏi kế hoạch",
}


def event_vn(event_type: str) -> str:
    """``ProgressReported`` → ``báo cáo tiến độ``; an unknown type as stored."""
    return EVENT_VN.get(event_type, event_type)
