"""zhtj (智慧团建): the Youth League membership platform's domain and data layer."""
