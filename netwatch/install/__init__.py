"""Installing netwatch as an operating-system service: plans of fixed steps, run or printed."""
