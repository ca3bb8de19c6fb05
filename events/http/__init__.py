"""What the staff pages (`events.web`) and the API (`events.api`) both use: request parsing and
answers (`common`), the organizers' downloads, the JSON shapes (`presenters`), the door's scan
(`scans`) and the badge batch (`badges`). `web` and `api` import this and the services, never each
other, and no domain package imports any of the three (`tests/test_layers.py` holds it).
"""
