"""Cases (行政处罚案件): filing, the statutory procedure, deadlines, numbering."""
