"""`make run`: upgrade the database; the service itself arrives with the deployments."""

from adapters.db import upgrade


def main() -> None:
    upgrade()
    print("数据库已升级到最新版本。no deployments yet")


if __name__ == "__main__":
    main()
