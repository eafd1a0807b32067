"""Field records: inspection records (现场检查笔录) and the violations found."""
