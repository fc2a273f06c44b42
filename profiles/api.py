from rest_framework.authtoken.views import ObtainAuthToken


class ObtainTokenView(ObtainAuthToken):
    """POST username and password; returns the API token to send as `Authorization: Token <key>`."""
