from rest_framework import pagination
from rest_framework.exceptions import ValidationError


class PageNumberPagination(pagination.PageNumberPagination):
    """Page-number pagination that refuses a malformed page size instead of ignoring it."""

    page_size_query_param = "page_size"
    max_page_size = 100

    def get_page_size(self, request):
        raw = request.query_params.getlist(self.page_size_query_param)
        if not raw:
            return self.page_size
        if len(raw) > 1:
            raise ValidationError({self.page_size_query_param: ["Give one page size."]})
        try:
            size = int(raw[0])
        except ValueError:
            size = 0
        if size < 1:
            raise ValidationError(
                {self.page_size_query_param: ["A page size is a whole number of at least 1."]}
            )
        return min(size, self.max_page_size)

    def get_paginated_response_schema(self, schema):
        response = super().get_paginated_response_schema(schema)
        response["properties"][self.page_size_query_param] = {"type": "integer", "example": 20}
        response["required"] = [*response.get("required", []), "page_size"]
        return response

    def get_paginated_response(self, data):
        response = super().get_paginated_response(data)
        response.data[self.page_size_query_param] = self.get_page_size(self.request)
        return response

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"] = {"type": "integer", "minimum": 1}
            if parameter["name"] == self.page_query_param:
                parameter["schema"] = {"type": "integer", "minimum": 1}
        return parameters
