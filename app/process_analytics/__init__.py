"""Process analytics (流程性能): per process and version, instances started / completed / in error with their
duration, and per task element the waiting time (created → claimed) and handling time (claimed → completed),
median and p90, and overdue tasks — as tables and as a heatmap on the BPMN diagram.

Figures are read set-based from the task projection (``workflow_task``) and ``process_instance``; nothing here
loads workflow JSON or imports SpiffWorkflow.
"""
