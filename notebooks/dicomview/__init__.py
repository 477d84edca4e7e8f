"""dicomview: the small helper package the lessons build and later lessons reuse."""
