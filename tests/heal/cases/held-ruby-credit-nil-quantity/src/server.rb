# server.rb - POST /sale_credits {"items": [{"price", "quantity"}]} answers the
# credit note's total.  WEBrick servlet; errors are logged with their backtrace.
require 'json'
require 'webrick'
require_relative 'sale_item'

class CreditServlet < WEBrick::HTTPServlet::AbstractServlet
  def do_POST(req, res)
    res['Content-Type'] = 'application/json'
    items = JSON.parse(req.body || '{}').fetch('items', [])
    total = items.sum { |i| SaleItem.new(i).amount }
    res.body = JSON.generate(total: total, items: items.size)
  rescue StandardError => e
    warn "A #{e.class} occurred in sale_credits#create:"
    warn e.full_message(highlight: false)
    res.status = 500
    res.body = '{"error":"internal server error"}'
  end
end

server = WEBrick::HTTPServer.new(BindAddress: '127.0.0.1', Port: Integer(ENV.fetch('PORT', '3000')),
                                 Logger: WEBrick::Log.new(File::NULL), AccessLog: [])
server.mount('/sale_credits', CreditServlet)
trap('TERM') { server.shutdown }
server.start
