"""`coach serve`: the coach as an HTTP service for a whole team, and its helpdesk connections.

Stateless workers: each process loads its own Coach; sessions, feedback and the helpdesk's event
log live in the shared database (PostgreSQL for a team) and the index in the Chroma server.
"""
