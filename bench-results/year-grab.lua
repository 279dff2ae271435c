wrk.method = "POST"
wrk.body = '{"requirementId":1,"channel":"h5"}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Cookie"] = "sid=eyJyb2xlIjoicGxhbm5lciIsImlkIjo0LCJpYXQiOjE3OTY2ODAxMTcxMTIsImV4cCI6MTc5NzI4NDkxN30.ApFvNlRoIae7zUp3VGm8rHmq9DlRozadwwo9QcTEuWs"
