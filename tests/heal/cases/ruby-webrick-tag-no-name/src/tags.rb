# tags.rb - tag names as the shop stores them.
module Tags
  def self.normalize(name)
    name.strip.downcase.tr(' ', '-')
  end
end
