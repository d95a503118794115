"""Stage 1, the scenario: YAML text -> validated, immutable `Scenario`.

`yaml_source` reads YAML with the line of every value, `schema` holds the format as frozen
pydantic models, `checks` relates one part to another, `archetypes` expands facilities
from `models/`, `validation` turns pydantic errors into `file:line: field: ...` issues, and
`loading` ties them together (`load_scenario`).
"""
