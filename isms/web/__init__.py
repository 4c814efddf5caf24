"""Server-rendered UI infrastructure: templates, language, CSRF, navigation, error pages."""
