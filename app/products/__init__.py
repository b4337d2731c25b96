"""Products and projects (产品管理 / 项目管理): the category tree and wealth projects with their lifecycle."""
