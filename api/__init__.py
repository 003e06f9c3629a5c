"""HTTP service (FastAPI). Arrives with the API issue; holds no NLP logic."""
