"""Stage 7, reporting: the terminal summary (`terminal`) and the HTML report (`html`, with
`figures`, `study_figures`, `table_view`, `labels`, `load` and `templates/`)."""
