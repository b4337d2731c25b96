"""客户评级 (customer grading A/B/C): scored DMN rules, the nightly set-based grading, the 360 section and overview."""
