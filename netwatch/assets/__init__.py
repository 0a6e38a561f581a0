"""A host's hardware for the asset register: the model, its Linux and Windows readers, the
fingerprint that tells a change, and the agent's memory of it (the register itself is
``netwatch.register``)."""
