"""The README (in Vietnamese) an evidence package opens with: what it holds, and how anyone can
check it, with ParLedger's command or with any SHA-256 and Ed25519 tool."""

from __future__ import annotations

from datetime import date
from typing import Any

from reports.vn_dates import vn_date

ROLE_VN = {
    "admin": "quản trị",
    "secretariat": "văn phòng thường trực",
    "agency_officer": "cán bộ cơ quan",
    "inspector": "thanh tra, kiểm tra",
    "auditor": "kiểm toán",
    "reader": "người xem",
}


def readme(m: dict[str, Any], names: list[str]) -> str:
    start, end = date.fromisoformat(m["from"]), date.fromisoformat(m["to"])
    inspection = ""
    if m["inspection"]:
        inspection = f"\nCuộc kiểm tra: {m['inspection']} (mọi sự kiện của cuộc kiểm tra)"
    reports = [n for n in names if n.startswith("reports/")]
    personal = (
        f"{m['redacted']} sự kiện đã lược bỏ dữ liệu cá nhân của công dân theo vai trò người "
        "yêu cầu; các sự kiện này mang mã SHA-256 của sự kiện gốc (event_sha256) thay cho việc "
        "tính lại từ nội dung, nên bằng chứng vẫn kiểm được nhưng nội dung bị lược bỏ thì không."
        if m["redacted"]
        else "Dữ liệu cá nhân của công dân (nếu có) chỉ ở dạng đã mã hoá như lưu trong sổ cái."
    )
    return f"""GÓI BẰNG CHỨNG TỪ SỔ CÁI PARLEDGER
==================================

Kế hoạch: {m["plan"]}
Cơ quan: {m["agency"]}
Thời gian: từ {vn_date(start)} đến {vn_date(end)}{inspection}
Người yêu cầu: vai trò {ROLE_VN.get(m["requester_role"], m["requester_role"])}
Vị trí sổ cái: {m["position"]} ({m["size"]} sự kiện)
Gốc Merkle: {m["root"]}
Khoá xác minh của sổ cái: {m["log_key"]}

NỘI DUNG GÓI
- manifest.json: phạm vi của gói, mã SHA-256 của từng tệp khác, chữ ký Ed25519 của sổ cái.
- checkpoint.txt: điểm kiểm đã ký của sổ cái (định dạng C2SP tlog-checkpoint), kèm chữ ký
  đồng ký của các nhân chứng nếu đã có.
- events/: {m["events"]} sự kiện, mỗi tệp một sự kiện ở dạng chuẩn tắc kèm đường kiểm chứng
  Merkle (RFC 9162) tới gốc của điểm kiểm.
- documents.json: các văn bản mà sự kiện viện dẫn (số văn bản, mã SHA-256 của tệp nếu có).
- reports/: {len(reports)} báo cáo định kỳ (JSON) có dấu xác thực ở cùng vị trí sổ cái.

{personal}

CÁCH KIỂM TRA
1. Nhận khoá công khai của sổ cái qua một kênh khác (văn bản giấy, cổng thông tin), không tin
   khoá ghi trong gói.
2. Chạy, không cần cơ sở dữ liệu:
       parledger evidence verify GÓI.zip --trusted-key KHOÁ_HEX
   Lệnh kiểm chữ ký của bảng kê và của điểm kiểm; tính lại từng sự kiện thành lá Merkle và
   theo đường kiểm chứng lên đến gốc; kiểm dấu xác thực của từng báo cáo; đối chiếu danh sách
   văn bản; rồi mã SHA-256 của từng tệp. Điều đầu tiên không khớp được nêu tên và lệnh trả về
   mã 1.
3. Muốn biết điểm kiểm đã được công bố: kiểm đồng ký của nhân chứng tin cậy
       parledger verify-checkpoint checkpoint.txt --trusted-key KHOÁ_HEX --witness KHOÁ_NHÂN_CHỨNG
   và, với điểm kiểm đang giữ từ trước, parledger verify-consistency.
4. Không có ParLedger: lá của sự kiện = SHA-256(0x00 ‖ vị trí 8 byte ‖ SHA-256(dạng chuẩn
   tắc)); nút = SHA-256(0x01 ‖ trái ‖ phải); dạng chuẩn tắc và thuật toán được mô tả trong
   docs/tamper-evidence.md của ParLedger.
"""
