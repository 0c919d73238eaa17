"""The agency staff's desk (issue 18): signing in (auth), today's work case by case (todo), a
case's page (cases), the morning mail (morning), where the province stands (statistics*, 第五条
scopes) and the year's report (year_report*). Reads every procedure's tables through the models,
never their packages (the independence contract), only casework and the layers below."""
