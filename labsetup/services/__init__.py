"""One module per lab service, each with the verbs install / configure / start / stop / check."""
