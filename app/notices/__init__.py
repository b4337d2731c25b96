"""System notices (系统通知), major announcements (重大公告) and content templates (内容模板)."""
