"""流程设计 (process designer): edit BPMN diagrams, DMN tables and task forms in the browser, validate,
compare and deploy them as new versions."""
