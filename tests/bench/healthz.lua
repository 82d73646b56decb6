-- wrk script: a health probe, one request every 10 ms per connection (a load balancer's check,
-- not a flood), so it measures how long /healthz waits while the submissions load the server
-- without taking CPU from them.
function delay()
  return 10
end
