"""The office asset register (``netwatch report assets``): many machines' reports into one
workbook, CSVs and a printable summary, with the hardware changes since the previous one."""
