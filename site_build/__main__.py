from site_build.cli import main

# Guarded: the chart workers (views/drawing.py) are spawned, and import the main module again.
if __name__ == "__main__":
    main()
