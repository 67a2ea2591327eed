# location.rb - one location's card.
module Location
  def self.show(all, slug)
    loc = all.find { |l| l['slug'] == slug }
    { name: loc['name'], address: loc['address'], hours: loc['hours'] || 'call ahead' }
  end
end
