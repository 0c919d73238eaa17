"""The agency staff's desk (issue 18): signing in (auth), today's work case by case (todo), a
case's page (cases) and the morning mail (morning). Reads every procedure's tables through the
models, never their packages; 第五条 scopes what each agency sees."""
