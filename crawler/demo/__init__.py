"""The bundled demo: fixture sites served on 127.0.0.1."""
