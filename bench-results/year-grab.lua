wrk.method = "POST"
wrk.body = '{"requirementId":1,"channel":"h5"}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Cookie"] = "sid=eyJyb2xlIjoicGxhbm5lciIsImlkIjo0LCJpYXQiOjE3OTY2Nzk3ODU4MzksImV4cCI6MTc5NzI4NDU4NX0.8et6KpPvKZL3GCBA_MfJyQNlHF4BfY12psV2570hZn4"
