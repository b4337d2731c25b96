"""What runs confined in a sandbox worker process (``app.workflow.sandbox`` starts and kills them).

The worker loads this package without the ``app`` package (``python -I`` with only this folder's parent on
``sys.path``), so these modules import nothing but the standard library and RestrictedPython, and use
relative imports only. The parent imports the same modules as ``app.workflow.confined.*``.
"""
