"""Composition roots: the containers a pixforge process is built from (see server.py for the
`pixforge serve` process, api.py and worker.py for each side on its own)."""
