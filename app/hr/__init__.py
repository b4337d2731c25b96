"""HR (人事): attendance (考勤) and public holidays (公休假期) that the task calendar reads as excused days."""
