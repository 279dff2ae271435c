wrk.method = "POST"
wrk.body = '{"requirementId":1,"channel":"h5"}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Cookie"] = "sid=eyJyb2xlIjoicGxhbm5lciIsImlkIjo0LCJpYXQiOjE3OTY2NzgxNzk5NTUsImV4cCI6MTc5NzI4Mjk3OX0.80i7d0HIjviaTz6wPOIXh2xUj72x8-TgOEaDoT-DhCw"
