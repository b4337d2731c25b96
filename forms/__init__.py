"""WTForms for screens (one module per domain) and the registry that resolves BPMN task form keys."""
