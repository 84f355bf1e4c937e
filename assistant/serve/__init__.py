"""Front ends over the library: the service (uploads, status, feedback), REST, CLI, doctor,
rendering."""
