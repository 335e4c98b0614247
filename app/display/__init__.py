"""How pages show things: number formats, metric help, KPI tiles and tables, downloads and drill-down links."""
