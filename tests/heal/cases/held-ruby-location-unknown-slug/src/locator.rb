# locator.rb - GET /location/SLUG answers a public computer center's card.
# WEBrick, a servlet class; locations come from $STATE_DIR/locations.json.
require 'json'
require 'webrick'
require_relative 'location'

class LocationServlet < WEBrick::HTTPServlet::AbstractServlet
  def do_GET(req, res)
    res['Content-Type'] = 'application/json'
    all = JSON.parse(File.read(File.join(ENV.fetch('STATE_DIR', 'state'), 'locations.json')))
    res.body = JSON.generate(Location.show(all, req.path.split('/').last))
  rescue StandardError => e
    $stderr.puts "A #{e.class} occurred in location#show:"
    $stderr.puts e.full_message(highlight: false)
    res.status = 500
    res.body = '{"error":"internal server error"}'
  end
end

server = WEBrick::HTTPServer.new(BindAddress: '127.0.0.1', Port: Integer(ENV.fetch('PORT', '3000')),
                                 Logger: WEBrick::Log.new(File::NULL), AccessLog: [])
server.mount('/location', LocationServlet)
trap('TERM') { server.shutdown }
server.start
