"""Evidence: uploads, storage backends, photo metadata."""
