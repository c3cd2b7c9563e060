"""Real-name verification providers (实名核验): the interface and the registry that picks the
configured one. The adapters for real providers live here too; a fake never does (the local
stack and the tests bring their own, infra/local/fake_identity.py)."""
