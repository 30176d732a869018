"""weaklabel: programmatic weak supervision."""
