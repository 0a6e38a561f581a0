"""The office CA: create it, issue agent and Prometheus certificates, describe a certificate.

Two or three IT officers do not run a CA, so this is one self-signed root (EC P-256,
10 years) kept in one directory, and leaf certificates signed directly by it (pathlen 0).
"""
