"""The agency's desk (issue 18): what waits for the agency's staff, where the province stands
(statistics, 第五条 scopes) and the year's report. Reads every procedure's tables; imports no
procedure package (the independence contract), only casework and the layers below.
"""
