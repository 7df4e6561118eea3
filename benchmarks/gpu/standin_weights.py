"Stand-in ImageNet weights under the official file names in the torch hub cache: random for ResNet-34 and VGG-16 BN (they prove the code runs, not what ImageNet gives), the shared SqueezeNet copy"
import shutil, torch, torchvision.models as m
from pathlib import Path
d = Path(torch.hub.get_dir())/'checkpoints'; d.mkdir(parents=True, exist_ok=True)
torch.manual_seed(0)
for w, net in [(m.ResNet34_Weights.IMAGENET1K_V1, m.resnet34), (m.VGG16_BN_Weights.IMAGENET1K_V1, m.vgg16_bn)]:
    torch.save(net().state_dict(), d/Path(w.url).name)
shutil.copy('.gpu/squeezenet1_1_tv-imagenet1k-v1_fp16rounded_from-ncnn.pth', d/Path(m.SqueezeNet1_1_Weights.IMAGENET1K_V1.url).name)
print(sorted(p.name for p in d.iterdir()))
