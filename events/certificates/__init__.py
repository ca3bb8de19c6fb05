"""Attendance certificates (参加証明書): who earned one, the PDF, and the public page that confirms it."""
