"""HR (人事): attendance (考勤) that the task calendar reads; leave approved through OA marks it."""
