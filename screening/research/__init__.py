"""Research exports: de-identified packages of images, AI results, reads and outcomes."""
