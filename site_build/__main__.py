from site_build.cli import main

main()
