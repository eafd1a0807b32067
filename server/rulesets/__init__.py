"""Rule-set versions in use (shipped files plus legal staff's imports) and evaluation."""
