wrk.method = "POST"
wrk.body = '{"requirementId":1,"channel":"h5"}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Cookie"] = "sid=eyJyb2xlIjoicGxhbm5lciIsImlkIjo0LCJpYXQiOjE3OTY2Nzk2MDUxNTksImV4cCI6MTc5NzI4NDQwNX0.CGLGt3GKay5uqBQy3vzdYjRWcjGup5zD0Hxraf76FUE"
